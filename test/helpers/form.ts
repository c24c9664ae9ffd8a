/** Drives the public feedback form over HTTP the way a browser without JavaScript does. */
import type { TestHark } from './hark.ts';

export async function openForm(hark: TestHark, pathname: string): Promise<{ status: number; html: string; token: string }> {
  const response = await hark.fetch(pathname);
  const html = await response.text();
  const token = /name="token" value="([^"]+)"/.exec(html)?.[1] ?? '';
  return { status: response.status, html, token };
}

export async function postForm(
  hark: TestHark,
  pathname: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; html: string }> {
  const response = await hark.fetch(pathname, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: response.status, html: await response.text() };
}

/** Opens the form and submits it with the given answers. */
export async function giveFeedback(hark: TestHark, pathname: string, answers: Record<string, string>) {
  const form = await openForm(hark, pathname);
  return postForm(hark, pathname, { token: form.token, ...answers });
}
