import { randomUUID } from 'node:crypto';
import type { LocalResponse } from '../protocol';
import type { Ec2Error } from './errors';

export const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';

/**
 * A response body as EC2 shapes it: elements by name, lists as repeated `<item>` elements,
 * `undefined` left out (EC2 omits absent fields rather than sending empty ones).
 */
export type XmlValue = string | number | boolean | undefined | XmlObject | readonly XmlValue[];
export interface XmlObject {
  readonly [element: string]: XmlValue;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

function render(value: XmlValue, out: string[]): void {
  if (value === undefined) return;
  if (Array.isArray(value)) {
    for (const item of value as readonly XmlValue[]) {
      out.push('<item>');
      render(item, out);
      out.push('</item>');
    }
    return;
  }
  if (typeof value === 'object') {
    for (const [name, child] of Object.entries(value)) {
      if (child === undefined) continue;
      out.push(`<${name}>`);
      render(child, out);
      out.push(`</${name}>`);
    }
    return;
  }
  out.push(escapeXml(String(value)));
}

const XML_HEADERS = { 'content-type': 'text/xml;charset=UTF-8' };

export function successResponse(action: string, body: XmlObject): LocalResponse {
  const requestId = randomUUID();
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    `<${action}Response xmlns="${EC2_NAMESPACE}"><requestId>${requestId}</requestId>`,
  ];
  render(body, out);
  out.push(`</${action}Response>`);
  return {
    statusCode: 200,
    headers: { ...XML_HEADERS, 'x-amzn-requestid': requestId },
    body: out.join(''),
  };
}

export function errorResponse(error: Ec2Error): LocalResponse {
  const requestId = randomUUID();
  return {
    statusCode: error.statusCode,
    headers: { ...XML_HEADERS, 'x-amzn-requestid': requestId },
    body:
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
      `<Response><Errors><Error><Code>${escapeXml(error.code)}</Code>` +
      `<Message>${escapeXml(error.message)}</Message></Error></Errors>` +
      `<RequestID>${requestId}</RequestID></Response>`,
  };
}
