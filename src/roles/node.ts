/** Node door of src/roles: everything in ./index.ts plus the Node solver (any task) and the headless validator. */
export * from './index.ts'
export { createNodeSolver, type NodeSolver } from './node-solver.ts'
export { startHeadlessValidator, type HeadlessValidator, type HeadlessValidatorInit } from './headless.ts'
