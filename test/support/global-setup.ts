import type { TestProject } from 'vitest/node';
import { findServer } from './server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    serverUrl: string;
  }
}

/** Finds (or starts) the server once for the whole run and hands its URL to every test file. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await findServer();
  project.provide('serverUrl', server.url);
  return async () => {
    await server.stop?.();
  };
}
