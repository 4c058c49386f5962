// The checkpoint list of the comparison page: one collapsible group per run, a box per checkpoint (and
// one per run) to compare it, its label opening its report, and its analysis state.
import type { CheckpointGroup, CheckpointItem } from '../../src/protocol/compare';
import { h } from '../common/dom';
import { post, saveUi, ui } from './context';

const STATE_TEXT: Record<CheckpointItem['state'], string> = { idle: '', queued: 'queued', running: 'analysing', done: '', error: 'failed' };

function itemRow(it: CheckpointItem): HTMLLIElement {
  const box = h('input', {
    type: 'checkbox', id: `sel-${it.path}`, 'aria-label': `compare ${it.rel}`,
    onchange: (e: Event) => post({ type: 'toggle', path: it.path, selected: (e.target as HTMLInputElement).checked }),
  });
  box.checked = it.selected;
  const status = it.state === 'error' ? `failed: ${it.error ?? ''}` : it.state === 'running' ? `analysing${it.progress ? ` (${it.progress})` : '…'}` : it.progress === 'stopped' ? 'stopped' : STATE_TEXT[it.state];
  return h('li', { class: `cp ${it.state}`, 'data-path': it.path, 'data-label': it.label, 'data-state': it.state },
    box,
    h('button', { class: 'link', title: `${it.rel} — open its report`, onclick: () => post({ type: 'openReport', path: it.path }) }, it.label),
    status ? h('span', { class: `status small ${it.state === 'error' ? 'bad' : 'muted'}`, title: it.error ?? '' }, ` ${status}`) : null);
}

export function groupBlock(g: CheckpointGroup, open: boolean): HTMLElement {
  const all = g.items.every((i) => i.selected);
  const some = g.items.some((i) => i.selected);
  const box = h('input', {
    type: 'checkbox', 'aria-label': `compare every checkpoint in ${g.label}`,
    onchange: (e: Event) => post({ type: 'selectGroup', group: g.id, selected: (e.target as HTMLInputElement).checked }),
  });
  box.checked = all;
  box.indeterminate = some && !all;
  const details = h('details', { class: 'group', 'data-group': g.id },
    h('summary', {}, box, h('span', { class: 'group-name' }, ` ${g.label}`), h('span', { class: 'muted small' }, ` (${g.items.length}${some && !all ? `, ${g.items.filter((i) => i.selected).length} selected` : ''})`)),
    h('ol', { class: 'checkpoints', 'data-group': g.id }, ...g.items.map(itemRow)));
  details.open = open;
  details.addEventListener('toggle', () => {
    const c = new Set(ui.collapsed ?? []);
    const x = new Set(ui.expanded ?? []);
    if (details.open) {
      c.delete(g.id);
      x.add(g.id);
    } else {
      x.delete(g.id);
      c.add(g.id);
    }
    ui.collapsed = [...c];
    ui.expanded = [...x];
    saveUi();
  });
  return details;
}

/** Expanded groups: those the user opened, else those with a selected checkpoint. */
export function isOpen(g: CheckpointGroup): boolean {
  if ((ui.collapsed ?? []).includes(g.id)) return false;
  if ((ui.expanded ?? []).includes(g.id)) return true;
  return g.items.some((i) => i.selected);
}

