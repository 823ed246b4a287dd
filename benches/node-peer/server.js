// A Node.js peer of cobrowse-proxy's direct-invoke path, for benches/lambda.sh: the same job
// behind the same AWS Lambda Web Adapter, written as a small Node service would be, with
// nothing but Node's own modules (no npm packages), so that the cold start compared is
// Node's and not a dependency tree's. docs/performance.md#aws-lambda says what it does and
// does not do next to the service.
//
// POST /v1/lambda/invoke (the adapter's pass-through path): a direct invoke, served only from
// loopback with `x-amzn-request-context: null`, as the service serves it. The event is the
// flow's inputs; they are checked as schemas/start-cobrowse.input.json says (an object, no
// other keys, conversationId required, strings within their lengths) and as the service
// reads them (ids are UUIDs, cobrowseType view or control after trimming, blank = view). An
// OAuth client-credentials token is fetched from Genesys on the first call, shared by the
// calls waiting for it, and kept until a minute before it expires (or Genesys refuses it);
// then POST /api/v2/conversations/{id}/cobrowse with {"agentId","cobrowseType"}; the answer
// is the flat reply of schemas/start-cobrowse.output.json, always HTTP 200, and one JSON log
// line per call on stdout. GET /healthz answers 200 (the adapter's readiness check).
//
// Settings (the function's environment): AWS_LWA_PORT (or PORT; 8080), GENESYS_API_URL,
// GENESYS_LOGIN_URL, GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET.
'use strict';

const http = require('node:http');
const https = require('node:https');
const { randomUUID } = require('node:crypto');

const port = Number(process.env.AWS_LWA_PORT || process.env.PORT || 8080);
const apiUrl = new URL(process.env.GENESYS_API_URL);
const loginUrl = new URL(process.env.GENESYS_LOGIN_URL);
const basic = Buffer.from(
  `${process.env.GENESYS_CLIENT_ID}:${process.env.GENESYS_CLIENT_SECRET}`,
).toString('base64');
const TIMEOUT_MS = 10000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LIMITS = { conversationId: 64, agentId: 64, cobrowseType: 16 };
// Connections to Genesys kept open between calls, as the service keeps its own.
const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

let token = null; // { value, renewAt }
let tokenFetch = null; // the fetch under way, which every call waiting for a token shares

// One HTTP request; resolves { status, headers, body } or rejects on a network error or
// timeout (error.code 'TIMEOUT').
function send(url, method, headers, body) {
  return new Promise((resolve, reject) => {
    const lib = url.protocol === 'https:' ? https : http;
    const request = lib.request(
      url,
      { method, headers, agent: agents[url.protocol], timeout: TIMEOUT_MS },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    request.on('error', reject);
    request.end(body);
  });
}

function failure(code, message, status = 0) {
  return Object.assign(new Error(message), { errorCode: code, upstreamStatus: status });
}

async function fetchToken() {
  const form = 'grant_type=client_credentials';
  const reply = await send(new URL('/oauth/token', loginUrl), 'POST', {
    authorization: `Basic ${basic}`,
    'content-type': 'application/x-www-form-urlencoded',
    'content-length': Buffer.byteLength(form),
  }, form);
  if (reply.status !== 200) {
    throw failure('GENESYS_AUTH_FAILED', `Genesys refused the OAuth client (HTTP ${reply.status}): check the client id and secret.`, reply.status);
  }
  const { access_token: value, expires_in: seconds } = JSON.parse(reply.body);
  return { value, renewAt: Date.now() + Math.max(seconds - 60, 0) * 1000 };
}

async function currentToken() {
  if (token && Date.now() < token.renewAt) return token.value;
  if (!tokenFetch) {
    tokenFetch = fetchToken().then(
      (fresh) => { token = fresh; tokenFetch = null; return fresh; },
      (error) => { tokenFetch = null; throw error; },
    );
  }
  return (await tokenFetch).value;
}

// The inputs as the service reads them, or a failure INVALID_INPUT saying which one is wrong.
function readInputs(event) {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    throw failure('INVALID_INPUT', 'The event is not a JSON object of the flow\'s inputs.');
  }
  for (const key of Object.keys(event)) {
    if (!(key in LIMITS)) throw failure('INVALID_INPUT', `${key} is not an input of this action.`);
  }
  const text = {};
  for (const [key, limit] of Object.entries(LIMITS)) {
    const value = event[key] ?? '';
    if (typeof value !== 'string') throw failure('INVALID_INPUT', `${key} must be a string.`);
    // Trimmed first, as the service does: padding past the limit is accepted.
    if (value.trim().length > limit) {
      throw failure('INVALID_INPUT', `${key} is longer than ${limit} characters.`);
    }
    text[key] = value.trim();
  }
  if (!UUID.test(text.conversationId)) {
    throw failure('INVALID_INPUT', 'conversationId is required and must be a conversation id (a UUID).');
  }
  // The service looks the connected agent up when agentId is blank; this peer does not.
  if (!UUID.test(text.agentId)) {
    throw failure('INVALID_INPUT', 'agentId must be an agent\'s user id (a UUID); this peer does not look the agent up.');
  }
  const type = text.cobrowseType.toLowerCase() || 'view';
  if (type !== 'view' && type !== 'control') {
    throw failure('INVALID_INPUT', 'cobrowseType must be view or control.');
  }
  return { conversationId: text.conversationId.toLowerCase(), agentId: text.agentId.toLowerCase(), cobrowseType: type };
}

async function startCobrowse(inputs) {
  const body = JSON.stringify({ agentId: inputs.agentId, cobrowseType: inputs.cobrowseType });
  const url = new URL(`/api/v2/conversations/${inputs.conversationId}/cobrowse`, apiUrl);
  let reply;
  try {
    reply = await send(url, 'POST', {
      authorization: `Bearer ${await currentToken()}`,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      accept: 'application/json',
    }, body);
  } catch (error) {
    if (error.errorCode) throw error;
    if (error.code === 'TIMEOUT') throw failure('UPSTREAM_TIMEOUT', 'Genesys did not answer in time: try again.');
    throw failure('GENESYS_UNAVAILABLE', 'Genesys could not be reached: try again later.');
  }
  const correlationId = reply.headers['inin-correlation-id'] || '';
  if (reply.status === 401) token = null;
  if (reply.status < 200 || reply.status > 299) {
    const code = reply.status >= 500 ? 'GENESYS_UNAVAILABLE' : reply.status === 401 ? 'GENESYS_AUTH_FAILED' : 'REJECTED_BY_GENESYS';
    throw Object.assign(failure(code, `Genesys answered HTTP ${reply.status}.`, reply.status), { correlationId });
  }
  const session = JSON.parse(reply.body);
  return { session, status: reply.status, correlationId };
}

function flatReply(requestId, inputs, outcome, error) {
  const session = (outcome && outcome.session) || {};
  return {
    success: !error,
    conversationId: inputs.conversationId || '',
    agentId: inputs.agentId || '',
    agentResolved: false,
    cobrowseType: inputs.cobrowseType || '',
    mediaType: '',
    sessionId: session.id || '',
    sessionName: session.name || '',
    joinCode: session.joinCode || '',
    websocketUrl: session.websocketUrl || '',
    dateOfferEnds: session.dateOfferEnds || '',
    communicationType: session.communicationType || '',
    errorCode: error ? error.errorCode : '',
    errorMessage: error ? error.message : '',
    upstreamStatus: outcome ? outcome.status : (error && error.upstreamStatus) || 0,
    correlationId: outcome ? outcome.correlationId : (error && error.correlationId) || '',
    requestId,
    reused: false,
  };
}

function answer(response, status, object) {
  const body = JSON.stringify(object);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

function lambdaRequestId(request) {
  try {
    return JSON.parse(request.headers['x-amzn-lambda-context']).request_id || randomUUID();
  } catch {
    return randomUUID();
  }
}

async function invoke(request, text) {
  const requestId = lambdaRequestId(request);
  const started = process.hrtime.bigint();
  let inputs = {};
  let outcome = null;
  let error = null;
  try {
    const loopback = ['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(request.socket.remoteAddress);
    if (!loopback || request.headers['x-amzn-request-context'] !== 'null') {
      throw failure('UNAUTHORIZED', 'Only the Web Adapter\'s direct invokes are served here.');
    }
    let event;
    try {
      event = JSON.parse(text);
    } catch {
      throw failure('INVALID_INPUT', 'The event is not JSON.');
    }
    inputs = readInputs(event);
    outcome = await startCobrowse(inputs);
  } catch (caught) {
    if (!caught.errorCode) throw caught;
    error = caught;
  }
  const reply = flatReply(requestId, inputs, outcome, error);
  const micros = Number((process.hrtime.bigint() - started) / 1000n);
  console.log(JSON.stringify({
    message: 'cobrowse call', request_id: requestId, outcome: error ? 'failed' : 'started',
    error_code: reply.errorCode, conversation_id: reply.conversationId, duration_us: micros,
  }));
  return reply;
}

http.createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    if (request.method === 'GET' && request.url === '/healthz') {
      return answer(response, 200, { status: 'ok' });
    }
    if (request.method === 'POST' && request.url === '/v1/lambda/invoke') {
      return invoke(request, Buffer.concat(chunks).toString('utf8')).then(
        (reply) => answer(response, 200, reply),
        (bug) => answer(response, 500, { success: false, errorCode: 'INTERNAL', errorMessage: String(bug) }),
      );
    }
    return answer(response, 404, { success: false, errorCode: 'UNKNOWN_ROUTE' });
  });
}).listen(port, '127.0.0.1');
