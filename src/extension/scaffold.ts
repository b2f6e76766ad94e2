// The New study logic lives in src/study/scaffold.ts (pure, shared with `mixopt init`).
export type { MixtureFound, StudyAnswers } from '../study/scaffold';
export { findMixtures, insideRunFolder, parseModels, parseParams, studyYaml } from '../study/scaffold';
