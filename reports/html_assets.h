// The HTML report's assets, compiled in (reports/embed_assets.cmake).
#pragma once

namespace bmshil::reports::assets {
extern const char* const uplot_js;   // vendor/uplot/uPlot.iife.min.js (MIT, uPlot 1.6.32)
extern const char* const uplot_css;  // vendor/uplot/uPlot.min.css
extern const char* const report_js;  // html/report.js
extern const char* const report_css; // html/report.css
}  // namespace bmshil::reports::assets
