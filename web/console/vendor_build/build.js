// Builds ../static/vendor/plotly-strict.min.js from entry.js, with the options of plotly.js's
// own esbuild-config.js (glsl shaders inlined, CSS inlined, regl aliased to @plotly/regl).
const path = require('path');
const esbuild = require('esbuild');
const { glsl } = require('esbuild-plugin-glsl');
const InlineCSSPlugin = require('esbuild-plugin-inline-css');
const { environmentPlugin } = require('esbuild-plugin-environment');

const plotly = path.dirname(require.resolve('plotly.js/package.json'));
const version = require('plotly.js/package.json').version;
esbuild
  .build({
    entryPoints: [path.join(__dirname, 'entry.js')],
    outfile: path.join(__dirname, '..', 'static', 'vendor', 'plotly-strict.min.js'),
    format: 'iife',
    globalName: 'Plotly',
    bundle: true,
    minify: true,
    legalComments: 'none',
    banner: {
      js: `/**\n* plotly.js (strict - custom: scatter, scattergl-strict) v${version}\n` +
        '* Copyright 2012-2026, Plotly, Inc.\n* All rights reserved.\n* Licensed under the MIT license\n*/',
    },
    plugins: [InlineCSSPlugin(), glsl({ minify: true }), environmentPlugin({ NODE_DEBUG: false })],
    alias: { regl: '@plotly/regl', stream: 'stream-browserify' },
    nodePaths: [path.join(plotly, 'node_modules'), path.join(__dirname, 'node_modules')],
    define: { global: 'window', 'define.amd': 'false' },
    target: 'es2016',
    logLevel: 'warning',
  })
  .catch(() => process.exit(1));
