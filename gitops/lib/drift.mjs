/**
 * What a drift report means, given the last-applied record (.acns/last-applied.json, what acns itself
 * last set on each object): a difference where the live value is still what acns last applied is
 * "pending apply" (the config changed and has not been applied yet); one where the live value is not
 * what acns applied is "changed outside acns"; a zone the file names that the account (or the token)
 * does not show is an error, not drift. An object acns never set (no record, or no entry for it)
 * cannot be told apart: it counts as drift, labelled as such. Pure.
 */
import { equal } from './compare.mjs';

/**
 * @param {any} report the document of `acns drift --format json`
 * @param {any} record the parsed last-applied record, or undefined
 * @returns {{ status: 'clean' | 'pending' | 'drift' | 'error', recordUsed: boolean,
 *   items: { key: string, object: string, kind: string, live: any, desired: any, source: string | null,
 *     message: string, class: 'pending_apply' | 'outside' | 'unknown' | 'invisible' }[] }}
 */
/**
 * The values acns last applied to this account: format 2 keeps one section per account (configs of
 * several accounts share the file); format 1 holds one account.
 * @param {any} record
 * @param {string} accountId
 */
function recordedValues(record, accountId) {
  const section =
    record?.format_version === 2 && isObject(record.accounts)
      ? record.accounts[accountId]
      : record?.format_version === 1 && record.account_id === accountId
        ? record
        : undefined;
  return isObject(section) && isObject(section.values) ? section.values : undefined;
}

export function classifyDrift(report, record) {
  const values = recordedValues(record, report.account_id);
  const items = report.items.map((i) => {
    let cls;
    if (i.kind === 'zone' && i.live === null) cls = 'invisible';
    else if (!values) cls = 'unknown';
    else if (i.key in values) cls = equal(values[i.key], i.live) ? 'pending_apply' : 'outside';
    // acns never set this object: a name still to be created is pending; anything else may be either
    else cls = i.live === null ? 'pending_apply' : 'unknown';
    return { ...i, class: cls };
  });
  const has = (c) => items.some((i) => i.class === c);
  const status = has('invisible')
    ? 'error'
    : has('outside') || has('unknown')
      ? 'drift'
      : has('pending_apply')
        ? 'pending'
        : 'clean';
  return { status, recordUsed: values !== undefined, items };
}

const LABEL = {
  outside: 'changed outside acns',
  unknown: 'changed outside acns, or not applied yet (acns never set it)',
  pending_apply: 'pending apply',
  invisible: 'error: not visible to the token',
};

/** The issue / job-summary text for a classified report. */
export function driftMarkdown({ names, result, runUrl, at, failure }) {
  const value = (v) => (v === null ? '—' : `\`${JSON.stringify(v)}\``);
  const head = {
    clean: '✅ No drift: the live account matches the config.',
    pending:
      '⏳ Only pending changes: the config on main differs from the account, but every live value is what ' +
      'acns last applied — the apply workflow has not applied main yet (or failed: see its runs).',
    drift:
      '⚠️ **The live account was changed outside acns.** Undo it by re-running the apply workflow, ' +
      'or keep it by putting it in the config.',
  }[result.status];
  // an error always comes with the failure that says what went wrong
  const verdict = failure ? `⛔ **The drift check failed:** ${failure}.` : head;
  const lines = [names.driftMarker, `### acns drift · \`${names.config}\``, '', verdict, ''];
  if (!result.recordUsed && result.items.length)
    lines.push(
      '_No last-applied record was found (the apply workflow keeps `.acns/last-applied.json` in the Actions ' +
        'cache), so pending applies cannot be told from changes made outside acns._',
      '',
    );
  if (result.items.length) {
    lines.push('| Object | What | Live | Config | Source |', '|---|---|---|---|---|');
    for (const i of result.items.slice(0, 300))
      lines.push(`| ${i.object} | ${LABEL[i.class]} | ${value(i.live)} | ${value(i.desired)} | ${i.source ?? '—'} |`);
    if (result.items.length > 300) lines.push('', `_… ${result.items.length - 300} more in the run log._`);
    lines.push('');
  }
  lines.push(`_Checked by [this run](${runUrl}) at ${at}._`, '');
  return lines.join('\n');
}

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
