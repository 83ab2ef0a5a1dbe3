/** A real PostgreSQL server: .ci/run installs Debian's postgresql, starts it and sets these variables. */
export const DATABASE_URL = process.env.TEXT2QUERY_TEST_DATABASE_URL ?? "postgres://text2query:text2query@127.0.0.1:5432/text2query_test";
/** A login role of its own with no privileges: the role model-written SQL runs as (DATABASE_READER_URL). */
export const READER_URL = process.env.TEXT2QUERY_TEST_READER_URL ?? "postgres://text2query_reader:text2query_reader@127.0.0.1:5432/text2query_test";
