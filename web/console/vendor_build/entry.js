'use strict';
// The console map's plotly.js: scatter (group outlines) and the CSP-safe scattergl (participants).
var Plotly = require('plotly.js/lib/core');
Plotly.register([require('plotly.js/src/traces/scattergl/strict')]);
module.exports = Plotly;
