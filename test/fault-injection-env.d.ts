/** Vite's `?raw` imports (a file's text), used to check wrangler.toml in a test. */
declare module "*?raw" {
  const text: string;
  export default text;
}
