import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { Ajv as Ajv07 } from 'ajv';
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

/**
 * Compiles an upstream MCP tool's `inputSchema`, which Airlock does not write:
 * draft-07 (what most MCP SDKs emit, by its `$schema`) or 2020-12, not strict
 * (unknown keywords and formats are the upstream's business), with a compiler
 * of its own per call so `$id`s of two fetches cannot clash. Throws with ajv's
 * reason when it does not compile.
 */
export function compileUpstreamSchema(schema: Record<string, unknown>): ParametersValidator {
  const { $schema, ...rest } = schema;
  const draft07 = typeof $schema === 'string' && /draft-0[4-7]/.test($schema);
  const options = { allErrors: true, strict: false, validateFormats: false };
  return (draft07 ? new Ajv07(options) : new Ajv2020(options)).compile(rest);
}
