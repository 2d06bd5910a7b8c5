/**
 * A stand-in for api.github.com on 127.0.0.1 for the action tests. Every request is checked
 * against GitHub's own OpenAPI description (@octokit/openapi): the method and path must match a
 * documented operation, path and query parameters must have the documented types, and a JSON
 * body must satisfy the operation's request schema (required fields, types, patterns, lengths,
 * no undocumented fields). Answers are the description's own examples with the fields the action
 * reads filled in. Anything else is recorded as a problem for the test to assert on.
 *
 * The schema check is a small subset of JSON Schema written here: the description only needs
 * type, required, properties, additionalProperties, enum, pattern, min/maxLength, items and the
 * combinators, and a full validator is not among the project's dependencies.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = { [key: string]: Json };

const SPEC_FILE = path.resolve('node_modules/@octokit/openapi/generated/api.github.com.json');

interface Operation {
  operationId: string;
  parameters?: Schema[];
  requestBody?: Schema;
  responses: { [status: string]: Schema };
}

let spec: Schema | null = null;
function loadSpec(): Schema {
  spec ??= JSON.parse(readFileSync(SPEC_FILE, 'utf8')) as Schema;
  return spec;
}

/** Follows `$ref` pointers (`#/components/...`) inside the description. */
function deref<T = Schema>(node: Json | undefined): T {
  let current = node as Schema | undefined;
  while (current && typeof current === 'object' && typeof current.$ref === 'string') {
    const parts = (current.$ref as string).replace(/^#\//, '').split('/');
    current = parts.reduce<Json>(
      (at, part) => (at as Schema)[part.replace(/~1/g, '/').replace(/~0/g, '~')]!,
      loadSpec(),
    ) as Schema;
  }
  return current as T;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** The problems of `value` against `schema`, each prefixed with where (`body.sarif`). */
export function checkSchema(value: unknown, schemaRef: Json, where: string): string[] {
  const schema = deref(schemaRef);
  if (!schema) return [];
  const problems: string[] = [];
  if (Array.isArray(schema.allOf))
    for (const part of schema.allOf) problems.push(...checkSchema(value, part, where));
  for (const key of ['oneOf', 'anyOf'] as const) {
    const options = schema[key];
    if (
      Array.isArray(options) &&
      !options.some((option) => checkSchema(value, option, where).length === 0)
    ) {
      problems.push(`${where}: matches none of the ${key} alternatives`);
    }
  }
  const declared = schema.type;
  if (declared !== undefined) {
    const types = (Array.isArray(declared) ? declared : [declared]) as string[];
    if (schema.nullable === true) types.push('null');
    const actual = typeOf(value);
    const ok = types.includes(actual) || (actual === 'integer' && types.includes('number'));
    if (!ok) return [...problems, `${where}: expected ${types.join('|')}, got ${actual}`];
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value as Json)) {
    problems.push(
      `${where}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`,
    );
  }
  if (typeof value === 'string') {
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) {
      problems.push(`${where}: '${value.slice(0, 60)}' does not match ${schema.pattern}`);
    }
    if (typeof schema.minLength === 'number' && value.length < schema.minLength)
      problems.push(`${where}: shorter than ${schema.minLength}`);
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength)
      problems.push(`${where}: longer than ${schema.maxLength}`);
  }
  if (typeOf(value) === 'object') {
    const object = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Schema;
    for (const name of (schema.required ?? []) as string[]) {
      if (!(name in object)) problems.push(`${where}: required field '${name}' is missing`);
    }
    for (const [name, field] of Object.entries(object)) {
      if (name in properties)
        problems.push(...checkSchema(field, properties[name]!, `${where}.${name}`));
      else if (
        schema.additionalProperties === false ||
        (schema.properties && schema.additionalProperties === undefined)
      ) {
        problems.push(`${where}: field '${name}' is not in the API description`);
      }
    }
  }
  if (Array.isArray(value) && schema.items)
    value.forEach((item, i) =>
      problems.push(...checkSchema(item, schema.items!, `${where}[${i}]`)),
    );
  return problems;
}

/** A documented operation matching `method` and `pathname`, with its path parameters. */
export function findOperation(
  method: string,
  pathname: string,
): { template: string; operation: Operation; params: Record<string, string> } | null {
  const paths = loadSpec().paths as Schema;
  const segments = pathname.split('/');
  // `/issues/comments` must win over `/issues/{issue_number}`: the most literal template first.
  const literals = (template: string) =>
    template.split('/').filter((part) => !part.startsWith('{')).length;
  const templates = Object.entries(paths).sort(([a], [b]) => literals(b) - literals(a));
  for (const [template, item] of templates) {
    const parts = template.split('/');
    if (parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matches = parts.every((part, i) => {
      const param = /^\{(.+)\}$/.exec(part);
      if (param) {
        params[param[1]!] = decodeURIComponent(segments[i]!);
        return segments[i] !== '';
      }
      return part === segments[i];
    });
    const operation = (item as Schema)[method.toLowerCase()] as unknown as Operation | undefined;
    if (matches && operation) return { template, operation, params };
  }
  return null;
}

function checkParameters(
  operation: Operation,
  params: Record<string, string>,
  query: URLSearchParams,
): string[] {
  const problems: string[] = [];
  const declared = (operation.parameters ?? []).map((p) => deref(p));
  for (const parameter of declared) {
    const name = parameter.name as string;
    const raw =
      parameter.in === 'path'
        ? params[name]
        : parameter.in === 'query'
          ? query.get(name)
          : undefined;
    if (raw === undefined || raw === null) {
      if (parameter.required === true && parameter.in !== 'header')
        problems.push(`${parameter.in} parameter '${name}' is missing`);
      continue;
    }
    const schema = deref(parameter.schema);
    const type = schema?.type;
    const value =
      type === 'integer' || type === 'number'
        ? Number(raw)
        : type === 'boolean'
          ? raw === 'true'
            ? true
            : raw === 'false'
              ? false
              : raw
          : raw;
    if (
      (type === 'integer' && !Number.isInteger(value)) ||
      (type === 'number' && Number.isNaN(value))
    ) {
      problems.push(`${parameter.in} parameter '${name}' must be ${type}, got '${raw}'`);
    } else {
      problems.push(...checkSchema(value, parameter.schema!, `${parameter.in}.${name}`));
    }
  }
  for (const name of query.keys()) {
    if (!declared.some((p) => p.in === 'query' && p.name === name))
      problems.push(`query parameter '${name}' is not in the API description`);
  }
  return problems;
}

/** The example response of `operation` for `status`, from the description. */
export function exampleResponse(operation: Operation, status: number): unknown {
  const response = deref(operation.responses[String(status)]);
  const media = deref((response?.content as Schema | undefined)?.['application/json']);
  const examples = media?.examples as Schema | undefined;
  const example = examples ? deref(Object.values(examples)[0]) : null;
  return structuredClone(example?.value ?? null);
}

export interface RecordedRequest {
  method: string;
  path: string;
  operationId: string | null;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  rawBody: string;
}

export interface StoredComment {
  id: number;
  issueNumber: number;
  body: string;
}

export interface FakeGitHubOptions {
  owner: string;
  repo: string;
  /** Every write answers 403 "Resource not accessible by integration", as for fork PRs. */
  readOnly?: boolean;
}

export class FakeGitHub {
  readonly requests: RecordedRequest[] = [];
  readonly problems: string[] = [];
  readonly comments: StoredComment[] = [];
  readonly sarifUploads: Record<string, unknown>[] = [];
  private nextCommentId = 1_000_001;
  private server: http.Server | null = null;
  url = '';

  constructor(private readonly options: FakeGitHubOptions) {}

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => this.handle(req, Buffer.concat(chunks).toString('utf8'), res));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private reply(res: http.ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(body === undefined ? '' : JSON.stringify(body));
  }

  private commentJson(template: unknown, comment: StoredComment): unknown {
    const base = (template ?? {}) as Record<string, unknown>;
    const { owner, repo } = this.options;
    return {
      ...base,
      id: comment.id,
      node_id: `IC_${comment.id}`,
      body: comment.body,
      url: `${this.url}/repos/${owner}/${repo}/issues/comments/${comment.id}`,
      html_url: `https://github.com/${owner}/${repo}/pull/${comment.issueNumber}#issuecomment-${comment.id}`,
      issue_url: `${this.url}/repos/${owner}/${repo}/issues/${comment.issueNumber}`,
      user: { ...((base.user as object) ?? {}), login: 'github-actions[bot]', type: 'Bot' },
    };
  }

  private handle(req: http.IncomingMessage, rawBody: string, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    let body: unknown = undefined;
    if (rawBody !== '') {
      try {
        body = JSON.parse(rawBody);
      } catch {
        this.problems.push(`${method} ${url.pathname}: body is not JSON`);
      }
    }
    const found = findOperation(method, url.pathname);
    this.requests.push({
      method,
      path: url.pathname,
      operationId: found?.operation.operationId ?? null,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
      rawBody,
    });
    if (!found) {
      this.problems.push(`${method} ${url.pathname}: no such operation in the API description`);
      return this.reply(res, 404, { message: 'Not Found' });
    }
    const { operation, params } = found;
    const where = `${method} ${found.template}`;
    const problems = checkParameters(operation, params, url.searchParams).map(
      (p) => `${where}: ${p}`,
    );
    if (!/^(token|bearer) \S+$/i.test(req.headers.authorization ?? ''))
      problems.push(`${where}: no token in Authorization`);
    const requestBody = deref(operation.requestBody);
    if (requestBody) {
      const schema = deref(
        (deref((requestBody.content as Schema)['application/json']) as Schema).schema,
      );
      if (body === undefined && requestBody.required === true)
        problems.push(`${where}: the request body is required`);
      else if (body !== undefined)
        problems.push(...checkSchema(body, schema, 'body').map((p) => `${where}: ${p}`));
    } else if (body !== undefined) {
      problems.push(`${where}: this operation takes no body`);
    }
    if (params.owner !== this.options.owner || params.repo !== this.options.repo)
      problems.push(`${where}: wrong repository ${params.owner}/${params.repo}`);
    this.problems.push(...problems);
    if (problems.length > 0)
      return this.reply(res, 422, { message: 'Validation Failed', errors: problems });

    const isWrite = method !== 'GET';
    if (isWrite && this.options.readOnly) {
      return this.reply(res, 403, {
        message: 'Resource not accessible by integration',
        documentation_url: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment',
        status: '403',
      });
    }
    switch (operation.operationId) {
      case 'issues/list-comments': {
        const issueNumber = Number(params.issue_number);
        const perPage = Number(url.searchParams.get('per_page') ?? 30);
        const page = Number(url.searchParams.get('page') ?? 1);
        const template = (exampleResponse(operation, 200) as unknown[])[0];
        const all = this.comments.filter((c) => c.issueNumber === issueNumber);
        const slice = all.slice((page - 1) * perPage, page * perPage);
        if (page * perPage < all.length) {
          const next = new URL(url);
          next.searchParams.set('page', String(page + 1));
          res.setHeader('link', `<${next.href}>; rel="next"`);
        }
        return this.reply(
          res,
          200,
          slice.map((c) => this.commentJson(template, c)),
        );
      }
      case 'issues/create-comment': {
        const comment = {
          id: this.nextCommentId++,
          issueNumber: Number(params.issue_number),
          body: (body as { body: string }).body,
        };
        this.comments.push(comment);
        return this.reply(res, 201, this.commentJson(exampleResponse(operation, 201), comment));
      }
      case 'issues/update-comment': {
        const comment = this.comments.find((c) => c.id === Number(params.comment_id));
        if (!comment) return this.reply(res, 404, { message: 'Not Found' });
        comment.body = (body as { body: string }).body;
        return this.reply(res, 200, this.commentJson(exampleResponse(operation, 200), comment));
      }
      case 'code-scanning/upload-sarif': {
        this.sarifUploads.push(body as Record<string, unknown>);
        return this.reply(res, 202, exampleResponse(operation, 202));
      }
      default:
        this.problems.push(`${where}: the fake does not answer ${operation.operationId}`);
        return this.reply(res, 501, { message: 'not implemented by the test fake' });
    }
  }
}

/** A comment body seeded as if an earlier run (or a person) had written it. */
export function seedComment(api: FakeGitHub, issueNumber: number, body: string): StoredComment {
  const comment = { id: 900_000 + api.comments.length, issueNumber, body };
  api.comments.push(comment);
  return comment;
}
