/** The product version, kept equal to package.json's by a test. */
export const VERSION = '0.1.0';
export const INFORMATION_URI = 'https://github.com/exit139-guard/exit139-guard';
