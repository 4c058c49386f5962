// What the comparison compares: the workspace's checkpoints grouped by run (folder) in epoch order, the
// ones the user ticked, and the runs they follow (every checkpoint ticked: a checkpoint written later
// joins the selection). The first time the view is shown, the largest run is selected.
import { defaultGroup, groupCheckpoints, type FileGroup, type GroupedFile } from './checkpointGroups';

export class CheckpointSelection {
  private groupList: FileGroup[] = [];
  private readonly selected = new Set<string>();
  /** Runs whose every checkpoint is selected: new checkpoints of theirs join the selection. */
  private readonly following = new Set<string>();
  private initialised = false;

  get groups(): readonly FileGroup[] {
    return this.groupList;
  }

  get size(): number {
    return this.selected.size;
  }

  has(path: string): boolean {
    return this.selected.has(path);
  }

  /**
   * Groups the index's files again (dropping selected paths that are gone). `shown`: the view is on
   * screen, so the default selection (the largest run) is made now if it never was.
   */
  regroup(files: readonly { path: string; mtime: number }[], roots: string[], shown: boolean): void {
    this.groupList = groupCheckpoints(files, roots);
    const known = new Set(this.groupList.flatMap((g) => g.files.map((f) => f.path)));
    for (const p of [...this.selected]) if (!known.has(p)) this.selected.delete(p);
    if (!this.initialised && shown && this.groupList.length) {
      this.initialised = true;
      for (const f of defaultGroup(this.groupList)?.files ?? []) this.selected.add(f.path);
      this.updateFollowing();
    }
    // otherwise the followed runs stay those of before: a run that just gained a checkpoint is still
    // followed when addCreated() decides whether the new one joins
  }

  toggle(path: string, on: boolean): void {
    if (on) this.selected.add(path);
    else this.selected.delete(path);
    this.updateFollowing();
  }

  selectGroup(id: string, on: boolean): void {
    for (const f of this.groupList.find((x) => x.id === id)?.files ?? []) {
      if (on) this.selected.add(f.path);
      else this.selected.delete(f.path);
    }
    this.updateFollowing();
  }

  /** Exactly these checkpoints (the CodeLens' "compare"); the default selection is no longer made. */
  selectOnly(paths: string[]): void {
    this.selected.clear();
    for (const p of paths) this.selected.add(p);
    this.initialised = true;
    this.updateFollowing();
  }

  /**
   * After the index changed (regroup first, with `before` the groups as they were): checkpoints just
   * written join the selection when their run is followed, or start a new run while nothing is selected.
   */
  addCreated(created: string[], before: readonly FileGroup[]): void {
    const old = new Set(before.map((g) => g.id));
    for (const p of created) {
      const g = this.groupList.find((x) => x.files.some((f) => f.path === p));
      if (g && (this.following.has(g.id) || (!old.has(g.id) && this.selected.size === 0))) this.selected.add(p);
    }
    this.updateFollowing();
  }

  /** Selected checkpoints, in group then epoch order: the comparison's columns. */
  columns(): GroupedFile[] {
    return this.groupList.flatMap((g) => g.files.filter((f) => this.selected.has(f.path)));
  }

  groupOf(path: string): string {
    return this.groupList.find((g) => g.files.some((f) => f.path === path))?.id ?? '';
  }

  private updateFollowing(): void {
    this.following.clear();
    for (const g of this.groupList) if (g.files.length && g.files.every((f) => this.selected.has(f.path))) this.following.add(g.id);
  }
}
