/** See profile-summary.mjs. */
export declare const summarizeProfile: (dir: string, top?: number) => string
