/**
 * EG206: a FROM line uses a variable that no ARG default, --build-arg or automatic platform ARG
 * sets. BuildKit (and the legacy builder) substitute an empty string, so `golang:${GO_VERSION}-alpine`
 * becomes `golang:-alpine`: the build fails ("invalid reference format") or pulls another image.
 * BuildKit's own check for it is UndefinedArgInFrom. When the scanned image was built, it was
 * built with a --build-arg the scan was not given: the model then reads a base image that is not
 * the one the image has, so its GOOS/GOARCH/CGO_ENABLED and blame lines are not to be trusted.
 */
import type { Finding } from '../findings.js';
import { blameLine, finding, type Rule } from './context.js';

export const EG206: Rule = {
  id: 'EG206',
  name: 'unresolved-from-reference',
  defaultLevel: 'warning',
  shortDescription: 'FROM uses a build argument that nothing sets',
  fullDescription:
    'A FROM line expands a variable that has no ARG default and was not given as a build argument; the builder substitutes an empty string, so the reference is broken or names another image.',
  runtimeError: '',
  why: [
    'Variables in FROM come from the ARGs declared before the first FROM. An `ARG GO_VERSION`',
    'without a default is empty unless `--build-arg GO_VERSION=…` is given, and an empty variable',
    'is substituted silently: `FROM golang:${GO_VERSION}-alpine` asks for `golang:-alpine`, which',
    'fails with `invalid reference format`, and `FROM ${BASE}:latest` may pull something else.',
    'If the image was built, the build had a --build-arg this scan was not given: the scan read',
    'the Dockerfile with another base image than the one the image has, so what it says about the',
    'stages (GOOS/GOARCH/CGO_ENABLED, the lines to blame) may be wrong.',
  ].join('\n'),
  fix: [
    'Give the ARG a default that builds, or pass the same build arguments to the scan as to the',
    'build (the `build-args` input of the action, `--build-arg` of the CLI):',
    '',
    '```diff',
    '-ARG GO_VERSION',
    '+ARG GO_VERSION=1.22',
    ' FROM golang:${GO_VERSION}-alpine AS build',
    '```',
  ].join('\n'),
  safeToIgnore:
    'When every build passes the argument and the scan is given it too; then the finding does not appear.',
  tags: ['reliability', 'dockerfile'],
  precision: 'high',
  check(ctx) {
    const findings: Finding[] = [];
    const model = ctx.dockerfile?.model;
    if (!model) return findings;
    for (const reference of model.unresolved) {
      const names = reference.names.join(', ');
      findings.push(
        finding(
          'EG206',
          EG206.defaultLevel,
          null,
          `FROM ${reference.written} expands to '${reference.expanded}': ${names} ${reference.names.length === 1 ? 'is' : 'are'} set by no ARG default or build argument`,
          [
            `Dockerfile line ${reference.range.startLine}: FROM ${reference.written}`,
            `unset: ${names} (an unset variable expands to an empty string)`,
            `reference the builder is asked for: ${reference.expanded || '(empty)'}`,
          ],
          blameLine(ctx, reference.range, 'from'),
        ),
      );
    }
    return findings;
  },
};
