// ESLint for the JavaScript of microgradpp's pages. `make lint` runs it from the repository's root:
//   tools/eslint/node_modules/.bin/eslint --config tools/eslint/eslint.config.mjs microgradpp
// (`make setup` installs it from package-lock.json with npm ci).
import js from "@eslint/js";
import globals from "globals";

const pageScript = {  // inlined into a page, one script after another: they share globals
  ecmaVersion: 2015,
  sourceType: "script",
  globals: globals.browser,
};

export default [
  js.configs.recommended,
  {
    files: ["microgradpp/steps/templates/*.js"],
    languageOptions: pageScript,
    rules: {
      // fit.js, judging.js and cells.js define MicrogradppFit, MicrogradppJudging and
      // MicrogradppCells for the next script
      "no-unused-vars": ["error", { vars: "local", caughtErrors: "none" }],
    },
  },
  {
    files: ["microgradpp/steps/templates/stepper.js"],
    languageOptions: { globals: { MicrogradppFit: "readonly" } },
  },
  {
    files: ["microgradpp/steps/templates/graded.js"],  // after judging.js, fit.js and cells.js
    languageOptions: {
      globals: {
        MicrogradppFit: "readonly",
        MicrogradppJudging: "readonly",
        MicrogradppCells: "readonly",
      },
    },
  },
  {
    files: ["microgradpp/steps/templates/exercise.js"],  // after judging.js, fit.js and cells.js
    languageOptions: {
      globals: {
        MicrogradppFit: "readonly",
        MicrogradppJudging: "readonly",
        MicrogradppCells: "readonly",
      },
    },
  },
  {
    files: ["microgradpp/steps/templates/predict.js"],  // after judging.js on a step page
    languageOptions: { globals: { MicrogradppJudging: "readonly" } },
  },
  {
    files: ["microgradpp/web/templates/*.js"],  // the playground: one <script type="module">
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: globals.browser },
  },
];
