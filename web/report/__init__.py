"""The plenary report as people read it: the printable page (render), its charts as inline SVG
(charts), Markdown (markdown), PDF through headless Chromium (pdf), and the `report` command
(cli). The report itself is assembled in deliberation.report; JSON and CSV are written there."""
