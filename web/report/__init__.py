"""The plenary report as people read it: the printable page (render), its charts as inline SVG
(charts), Markdown (markdown) and PDF through headless Chromium (pdf); `flask --app web report`
is web.commands.report. The report itself is assembled in deliberation.report; JSON and CSV are
written there."""
