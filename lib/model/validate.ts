// Every save is checked twice: against the field declarations (required, nullable, type) and
// against the class-validator decorators on the same properties. One list of failures comes back.
import { validate } from 'class-validator';
import type { ValidationError as ClassValidatorError } from 'class-validator';
import type { FieldFailure } from '../errors.js';
import type { Schema } from '../metadata/schema.js';
import { typeProblem } from './kinds.js';

function flatten(errors: ClassValidatorError[], prefix = ''): FieldFailure[] {
  const out: FieldFailure[] = [];
  for (const error of errors) {
    const field = `${prefix}${error.property}`;
    if (error.constraints) out.push({ field, constraints: { ...error.constraints } });
    if (error.children?.length) out.push(...flatten(error.children, `${field}.`));
  }
  return out;
}

export async function validateObject(schema: Schema, instance: object): Promise<FieldFailure[]> {
  const failures = new Map<string, Record<string, string>>();
  const add = (field: string, constraints: Record<string, string>) =>
    failures.set(field, { ...failures.get(field), ...constraints });
  const values = instance as Record<string, unknown>;
  for (const field of schema.fields) {
    const value = values[field.name];
    if (value === undefined) {
      if (field.required) add(field.name, { required: `${field.name} is required` });
    } else if (value === null) {
      if (!field.nullable && field.type.kind !== 'blob') add(field.name, { nullable: `${field.name} cannot be null` });
    } else {
      const problem = typeProblem(field.type, value);
      if (problem) add(field.name, { type: `${field.name} ${problem}` });
    }
  }
  // Explicit options: the defaults would reject classes without class-validator decorators
  // (forbidUnknownValues) or strip @Field properties they do not know (whitelist).
  const errors = await validate(instance, {
    forbidUnknownValues: false,
    whitelist: false,
    validationError: { target: false, value: false },
  });
  for (const failure of flatten(errors)) add(failure.field, failure.constraints);
  return [...failures].map(([field, constraints]) => ({ field, constraints }));
}
