import type { MessagesRequest, ModelScript, ScriptedTurn } from '../fakes/fake-messages-api.js';

let ids = 0;
export const toolUse = (name: string, input: Record<string, unknown>) => ({
  type: 'tool_use',
  id: `toolu_${(ids += 1)}`,
  name,
  input,
});
export const text = (t: string) => ({ type: 'text', text: t });
/** Today's models think before tool calls, and their notes between calls come as thinking (the fake signs it). */
export const thinking = (t: string) => ({ type: 'thinking', thinking: t });

/** Every tool_result text the model has been sent so far, newest last. */
export function toolResults(request: MessagesRequest): string[] {
  const out: string[] = [];
  for (const m of request.messages) {
    if (m.role !== 'user' || typeof m.content === 'string') continue;
    for (const block of m.content) {
      if (block.type !== 'tool_result') continue;
      const content = block.content;
      out.push(typeof content === 'string' ? content : JSON.stringify(content));
    }
  }
  return out;
}

/** The name of the first pod a list_pods result mentions. */
export function firstPod(request: MessagesRequest): string {
  for (const result of toolResults(request)) {
    const m = result.match(/^pod (\S+):/m);
    if (m) return m[1] as string;
  }
  throw new Error('no pod in the tool results yet');
}

export const CART_FILE = 'src/cartservice/src/cartstore/RedisCartStore.cs';

export const goodSubmission = {
  status: 'diagnosed',
  summary: 'cart-service fails AddItem for the loafers product (L9ECAV7KIM) with InvalidOperationException.',
  rootCause: {
    statement:
      'RedisCartStore.AddItemAsync throws InvalidOperationException for product L9ECAV7KIM (loafers) at RedisCartStore.cs:64, a check added by commit d3bf18b.',
    confidence: 'high',
  },
  evidence: [
    {
      source: 'logs',
      detail: 'InvalidOperationException: loafers are not supported, 8 times',
      ref: 'pod/cartservice',
    },
    { source: 'github', detail: 'if (productId == LoafersProductId) throw', ref: `${CART_FILE}:64` },
  ],
  suspectFiles: [{ path: CART_FILE, line: 64 }],
  suspectCommits: [
    { sha: 'd3bf18b69ea629283d172405c0fd770955bee38d', message: 'Validate product ids in cart store' },
  ],
  suggestedFix: 'Remove the loafers check from AddItemAsync or revert d3bf18b.',
};

/**
 * A careful investigator of the cart scenario, ten requests long: pods; events and logs in
 * parallel; the file by name; the failing lines; the file's history; a narrower log read; the
 * calling code; the repository's recent commits; the frontend's pods; submit.
 */
export const cartInvestigator: ModelScript = (request, index): ScriptedTurn => {
  switch (index) {
    case 0:
      return {
        content: [
          thinking('Looking at the pods first.'),
          toolUse('kubernetes__list_pods', { service: 'cart-service' }),
        ],
      };
    case 1:
      return {
        content: [
          thinking('One pod, restarting; reading events and its log together.'),
          toolUse('kubernetes__list_events', {}),
          toolUse('kubernetes__get_pod_logs', { pod: firstPod(request), tailLines: 300 }),
        ],
      };
    case 2:
      return { content: [toolUse('github__search_code', { query: 'filename:RedisCartStore.cs' })] };
    case 3:
      return {
        content: [toolUse('github__get_file_contents', { path: CART_FILE, startLine: 50, endLine: 75 })],
      };
    case 4:
      return { content: [toolUse('github__list_commits', { path: CART_FILE })] };
    case 5:
      return { content: [toolUse('kubernetes__get_pod_logs', { pod: firstPod(request), tailLines: 80 })] };
    case 6:
      return {
        content: [
          toolUse('github__get_file_contents', {
            path: 'src/cartservice/src/services/CartService.cs',
            startLine: 25,
            endLine: 45,
          }),
        ],
      };
    case 7:
      return { content: [toolUse('github__list_commits', { limit: 5 })] };
    case 8:
      return {
        content: [
          thinking('Checking the caller.'),
          toolUse('kubernetes__list_pods', { service: 'frontend' }),
        ],
      };
    default:
      return { content: [toolUse('submit_diagnosis', goodSubmission)] };
  }
};

/**
 * The reference diagnosis: how a current model investigates the cart incident, thinking briefly
 * before each step and calling independent tools together — pods and events; the failing log;
 * the file and its history; the failing lines and the commit; submit. Five requests.
 */
export const cartReference: ModelScript = (request, index): ScriptedTurn => {
  // With the host's first look in the first message, pods, events and the failing log are there;
  // with its code look too, the failing line and the commit that wrote it: nothing is left to read.
  const first = JSON.stringify(request.messages[0]?.content);
  const looked = first.includes('source=\\"first-look\\"');
  const coded = looked && first.includes('Recent change: Commit ');
  switch (coded ? index + 4 : looked ? index + 2 : index) {
    case 0:
      return {
        content: [
          thinking('Pods and recent events of cart-service first.'),
          toolUse('kubernetes__list_pods', { service: 'cart-service' }),
          toolUse('kubernetes__list_events', {}),
        ],
      };
    case 1:
      return {
        content: [
          thinking('Running but erroring: reading the log of the pod.'),
          toolUse('kubernetes__get_pod_logs', { pod: firstPod(request), tailLines: 200 }),
        ],
      };
    case 2:
      return {
        content: [
          thinking('InvalidOperationException in RedisCartStore.AddItemAsync: the file and its history.'),
          toolUse('github__search_code', { query: 'filename:RedisCartStore.cs' }),
          toolUse('github__list_commits', { path: CART_FILE }),
        ],
      };
    case 3: {
      const sha = toolResults(request)
        .join('\n')
        .match(/^([0-9a-f]{40}) /m)?.[1];
      return {
        content: [
          thinking('Reading the failing lines and the newest commit to the file.'),
          toolUse('github__get_file_contents', { path: CART_FILE, startLine: 50, endLine: 75 }),
          ...(sha ? [toolUse('github__get_commit', { sha })] : []),
        ],
      };
    }
    default:
      return { content: [toolUse('submit_diagnosis', goodSubmission)] };
  }
};
