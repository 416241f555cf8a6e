import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { fieldPath, type FieldIssue } from '../lib/issues.js';

// One compiler for every tool's schema; `allErrors` so one 400 names every bad path.
const ajv = new Ajv2020({ allErrors: true, strict: true });

/** A compiled tool parameters schema. */
export type ParametersValidator = ValidateFunction;

/** Compiles a tool's JSON Schema (2020-12); throws with ajv's reason when the schema itself is invalid. */
export function compileParametersSchema(schema: Record<string, unknown>): ParametersValidator {
  return ajv.compile(schema);
}

function pointerPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((t) => (/^(0|[1-9]\d*)$/.test(t) ? Number(t) : t));
}

function issueOf(error: ErrorObject): FieldIssue {
  const path = pointerPath(error.instancePath);
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  if (error.keyword === 'required' && params.missingProperty !== undefined) {
    return { field: fieldPath([...path, params.missingProperty], 'parameters'), message: 'is required by the tool' };
  }
  if (error.keyword === 'additionalProperties' && params.additionalProperty !== undefined) {
    return { field: fieldPath([...path, params.additionalProperty], 'parameters'), message: 'is not a parameter of the tool' };
  }
  return { field: fieldPath(path, 'parameters'), message: error.message ?? 'does not match the tool’s schema' };
}

/** Every place where `parameters` break the tool's schema, each named by its path (`parameters.amount`). */
export function parametersIssues(validate: ParametersValidator, parameters: unknown): FieldIssue[] {
  if (validate(parameters)) return [];
  return (validate.errors ?? []).map(issueOf);
}
