// Number formatting in the webviews: the very functions the CLI's text and Markdown renderers, the
// hints and the status bar use (src/report/number.ts), so a number reads the same everywhere.
export { formatBound as fmtBound, formatNumber as fmt, formatTau as fmtTau } from '../../src/report/number';
