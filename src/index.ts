import { runAction } from './action.js';
import { InputError } from './errors.js';

// Replaced by the library's scan() when src/scan.ts lands.
await runAction(async () => {
  throw new InputError('the scan engine is not part of this build yet');
});
