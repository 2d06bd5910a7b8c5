/** Fix diffs that more than one rule's help page shows, written once. */

/** The usual fix for a glibc-linked Go binary in a base without glibc: build it static. */
export const CGO_DISABLED_DIFF = [
  '```diff',
  ' FROM golang:1.22 AS build',
  ' WORKDIR /src',
  ' COPY . .',
  '-RUN go build -o /out/app .',
  '+RUN CGO_ENABLED=0 go build -o /out/app .',
  ' ',
  ' FROM scratch',
  ' COPY --from=build /out/app /app',
  '```',
].join('\n');
