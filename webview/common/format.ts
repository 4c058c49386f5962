// Number formatting in the webviews: the very function the CLI's text, CSV-free and Markdown renderers
// use (src/report/format.ts), so a number reads the same in the panel, the terminal and an export.
export { formatNumber as fmt } from '../../src/report/format';
