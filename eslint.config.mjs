// Lint rules that catch real bugs, not style (the formatter owns layout). Type-aware rules are chosen for the
// mistakes an Effect + Koa code base can make silently: a promise nobody awaits (a lost error or a write that
// outlives its request), a promise passed where a callback's result is ignored, an `await` of a non-promise.
import js from "@eslint/js"
import prettier from "eslint-config-prettier"
import globals from "globals"
import tseslint from "typescript-eslint"

export default tseslint.config(
  { ignores: ["**/dist/**", "**/node_modules/**", "**/.turbo/**", "**/coverage/**", "data/**", "**/*.d.ts"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts", "**/*.mts"],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname }
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { arguments: false } }],
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/no-for-in-array": "error",
      "@typescript-eslint/no-implied-eval": "error",
      "@typescript-eslint/only-throw-error": "error",
      "@typescript-eslint/switch-exhaustiveness-check": ["error", { considerDefaultExhaustiveForUnions: true }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // Effect's generators: `Effect.gen(function* () { return x })` is idiomatic and correct.
      "require-yield": "off",
      // Effect's own typing uses `any` at its variance boundaries; the project's casts are reviewed where they stand.
      "@typescript-eslint/no-explicit-any": "off",
      // Effect's Schema classes: \`interface X extends Schema.Schema.Type<typeof X> {}\` names the decoded type.
      "@typescript-eslint/no-empty-object-type": ["error", { allowInterfaces: "with-single-extends" }],
      // Control characters in patterns are the point where they appear: ANSI codes stripped from help text, control
      // characters stripped from notes (§2.5).
      "no-control-regex": "off"
    }
  },
  // A generator function made per call keeps what it captures alive through every young-generation GC until the next
  // full one: each new generator function brings a new prototype, which V8 records in a weak list that scavenges treat
  // as strong. On the request and message paths whole requests' objects were promoted so (an appointment create run
  // in-process promoted 7.5 KB, 4.8 KB once its steps were made once): write the steps once with `Effect.fnUntraced`.
  {
    files: [
      "packages/core/src/{action-plan,appointment,audit,case,events,referral,workflows,delius/repositories}/**/*.ts",
      "packages/http-koa/src/**/*.ts"
    ],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector: ":function CallExpression[callee.property.name='gen'] > FunctionExpression[generator=true]",
          message:
            "A generator function made inside a function is made per call and kept alive by scavenges until the next full GC: use Effect.fnUntraced(function* (...) {...}) made once, or build the Effect once."
        }
      ]
    }
  },
  // Build and test-runner configuration files are outside the packages' tsconfig projects: lint them without types.
  { files: ["**/*.config.ts"], ...tseslint.configs.disableTypeChecked },
  { files: ["**/*.mjs", "**/*.js"], languageOptions: { globals: globals.node } },
  prettier
)
