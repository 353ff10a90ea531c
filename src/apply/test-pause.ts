/** The crash tests' pause points live with every stage's: `src/test-pause.ts`. */
export { PAUSE_ENV, PAUSE_SIGNALS_ENV, pausePoint } from '../test-pause.js';
