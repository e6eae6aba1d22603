/**
 * Validates recorded HTTP exchanges against an OpenAPI document (Metal API v1, Nebraska): the operation must
 * exist, every query parameter must be declared and valid, request bodies must match, and response
 * bodies must match the schema declared for their status. Unknown fields in a response are errors
 * for the top-level resource, so the lab cannot drift into inventing fields.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import type { RecordedExchange } from '../../electron/lab/metal-api-server';

export const SPEC_PATH = path.resolve(__dirname, '../../../shared/reference/metal-api/metal-api-v1.openapi.yaml');
export const specAvailable = existsSync(SPEC_PATH);

export type Json = Record<string, unknown>;
interface Operation {
  parameters?: Json[];
  requestBody?: { content?: Record<string, { schema: Json }> };
  responses: Record<string, { content?: Record<string, { schema: Json }> }>;
}

export class OpenApiValidator {
  private readonly spec: Json;
  private readonly ajv: Ajv;
  private readonly cache = new Map<string, ValidateFunction>();
  private readonly routes: { regex: RegExp; template: string }[];

  /** `transform` adjusts a parsed document before use (Nebraska's wire names come from an extension). */
  constructor(specPath = SPEC_PATH, transform: (spec: Json) => Json = (spec) => spec) {
    this.spec = transform(parse(readFileSync(specPath, 'utf8')) as Json);
    this.ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    addFormats(this.ajv);
    // OpenAPI's numeric and misc formats carry no constraint Ajv can check.
    for (const format of ['int32', 'int64', 'float', 'double', 'binary', 'byte', 'password', 'datetime', 'string']) this.ajv.addFormat(format, true);
    this.ajv.addSchema(this.spec, 'metal.json');
    this.routes = Object.keys(this.spec.paths as Json)
      .map((template) => ({ template, regex: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`) }))
      // Literal segments beat parameters: /devices/{id}/events before /devices/{id}/{anything}.
      .sort((a, b) => b.template.replace(/\{[^}]+\}/g, '').length - a.template.replace(/\{[^}]+\}/g, '').length);
  }

  schemaByName(name: string): Json {
    return ((this.spec.components as Json).schemas as Json)[name] as Json;
  }

  private validator(schema: Json): ValidateFunction {
    const key = JSON.stringify(schema);
    let fn = this.cache.get(key);
    if (!fn) {
      // Rewrite local refs to point into the registered document.
      fn = this.ajv.compile(JSON.parse(key.replaceAll('"#/components/', '"metal.json#/components/')));
      this.cache.set(key, fn);
    }
    return fn;
  }

  private resolve(node: Json): Json {
    const ref = node.$ref as string | undefined;
    if (!ref) return node;
    return ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<Json>((at, part) => at[part] as Json, this.spec);
  }

  private check(schema: Json, value: unknown, where: string): string[] {
    const fn = this.validator(schema);
    if (fn(value)) return [];
    return (fn.errors ?? []).slice(0, 5).map((e) => `${where}${e.instancePath} ${e.message ?? ''}`);
  }

  /** Keys of a resource that its schema does not declare (top level, allOf merged). */
  undeclaredKeys(schemaName: string, value: Json): string[] {
    const schema = this.schemaByName(schemaName);
    const declared = new Set<string>(Object.keys((schema.properties as Json) ?? {}));
    for (const part of (schema.allOf as Json[] | undefined) ?? []) for (const k of Object.keys((this.resolve(part).properties as Json) ?? {})) declared.add(k);
    return Object.keys(value).filter((k) => !declared.has(k));
  }

  validate(exchange: RecordedExchange, basePath = '/metal/v1'): string[] {
    const problems: string[] = [];
    const label = `${exchange.method} ${exchange.path}`;
    const relative = exchange.path.startsWith(basePath) ? exchange.path.slice(basePath.length) : exchange.path;
    const route = this.routes.find((r) => r.regex.test(relative));
    const operation = route ? (((this.spec.paths as Json)[route.template] as Json)[exchange.method.toLowerCase()] as Operation | undefined) : undefined;
    if (!route || !operation) return [`${label}: no such operation in the spec`];

    const params = (operation.parameters ?? []).map((p) => this.resolve(p));
    for (const [name, raw] of Object.entries(exchange.query)) {
      const param = params.find((p) => p.name === name && p.in === 'query');
      if (!param) {
        problems.push(`${label}: query parameter "${name}" is not declared`);
        continue;
      }
      const schema = param.schema as Json;
      // style: form, explode: false → one comma-separated value for arrays.
      const value =
        schema.type === 'array'
          ? raw.split(',')
          : schema.type === 'integer' || schema.type === 'number'
            ? Number(raw)
            : schema.type === 'boolean'
              ? raw === 'true'
              : raw;
      problems.push(...this.check(schema, value, `${label} ?${name}`));
    }

    const bodySchema = operation.requestBody?.content?.['application/json']?.schema;
    if (exchange.requestBody !== undefined && ['POST', 'PUT'].includes(exchange.method)) {
      if (!bodySchema) problems.push(`${label}: sends a body the operation does not take`);
      else problems.push(...this.check(bodySchema, exchange.requestBody, `${label} request`));
    }

    const response = operation.responses[String(exchange.status)];
    if (!response) {
      // The spec documents 429 on two routes only; any HTTP API may rate-limit or fail (RFC 6585 §4, RFC 9110 §15.6).
      if (exchange.status !== 429 && exchange.status < 500) problems.push(`${label}: status ${exchange.status} is not declared`);
      return problems;
    }
    const responseSchema = response.content?.['application/json']?.schema;
    if (responseSchema) problems.push(...this.check(responseSchema, exchange.responseBody, `${label} ${exchange.status}`));
    else if (exchange.responseBody !== undefined) problems.push(`${label}: status ${exchange.status} should have no body`);
    return problems;
  }
}
