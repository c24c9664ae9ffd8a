// The `stopword` package ships no types; this is the one list Hark uses from it.
declare module 'stopword' {
  /** English stop words. */
  export const eng: readonly string[];
}
