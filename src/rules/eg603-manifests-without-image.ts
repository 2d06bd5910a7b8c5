/**
 * EG603: manifests were given, but none of their containers runs the scanned image, so nothing
 * of theirs was checked: a wrong name must not read as an all-clear.
 */
import { blameImage, finding, type Rule } from './context.js';

export const EG603: Rule = {
  id: 'EG603',
  name: 'manifests-without-image',
  defaultLevel: 'note',
  shortDescription: 'No container of the manifests runs the scanned image',
  fullDescription:
    "Kubernetes manifests were given, but no container or initContainer in them has an `image` with the scanned image's repository (any registry host, tag or digest) or a name given as `manifest-images`, so no pod spec was checked.",
  runtimeError: '',
  why: [
    'Manifests often name the image differently from the CI build: another registry, a',
    'templated name (`{{ .Values.image }}` rendered elsewhere), or a renamed repository. The',
    'scan then finds no container of the image and checks no pod spec.',
  ].join('\n'),
  fix: [
    'Give the name the manifests use:',
    '',
    '```diff',
    '   with:',
    '     image: api:pr-${{ github.event.number }}',
    '     manifests: deploy/',
    '+    manifest-images: registry.example.com/platform/api',
    '```',
  ].join('\n'),
  safeToIgnore: 'When the manifests given deploy other images only.',
  tags: ['kubernetes', 'configuration'],
  precision: 'very-high',
  check(ctx) {
    const manifests = ctx.manifests;
    if (!manifests || manifests.containers.length > 0) return [];
    return [
      finding(
        'EG603',
        EG603.defaultLevel,
        null,
        `No container of the manifests runs this image (looked for ${manifests.imageNames.join(', ') || 'no name'}): no pod spec was checked`,
        [`manifests: ${manifests.files.join(', ')}`],
        blameImage(ctx),
      ),
    ];
  },
};
