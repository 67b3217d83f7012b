// Action reconciliation ("Action Reconciliation"): the newest protocol and metaData win, txn keeps
// the newest version per appId, files are keyed by (path, deletion vector id) and the newest
// add/remove for a key wins. The state is copied before applying newer commits, so snapshots
// handed out earlier never change.
import {
  fileKey,
  type Action,
  type AddAction,
  type CommitInfoAction,
  type DomainMetadataAction,
  type MetadataAction,
  type ProtocolAction,
  type RemoveAction,
  type TxnAction,
} from '../actions/types.ts';

export class TableState {
  version = -1;
  protocol?: ProtocolAction;
  metadata?: MetadataAction;
  files = new Map<string, AddAction>();
  tombstones = new Map<string, RemoveAction>();
  txns = new Map<string, TxnAction>();
  domains = new Map<string, DomainMetadataAction>();
  /** commitInfo of the latest applied commit (only the snapshot version's commitInfo counts). */
  lastCommitInfo?: CommitInfoAction;

  clone(): TableState {
    const s = new TableState();
    s.version = this.version;
    s.protocol = this.protocol;
    s.metadata = this.metadata;
    s.files = new Map(this.files);
    s.tombstones = new Map(this.tombstones);
    s.txns = new Map(this.txns);
    s.domains = new Map(this.domains);
    s.lastCommitInfo = this.lastCommitInfo;
    return s;
  }

  /** Apply one commit's actions (or a checkpoint's, with `fromCheckpoint`). */
  apply(actions: Action[], version: number): void {
    this.lastCommitInfo = undefined;
    for (const action of actions) {
      if ('add' in action) {
        const key = fileKey(action.add);
        this.files.set(key, action.add);
        this.tombstones.delete(key);
      } else if ('remove' in action) {
        const key = fileKey(action.remove);
        this.files.delete(key);
        this.tombstones.set(key, action.remove);
      } else if ('metaData' in action) this.metadata = action.metaData;
      else if ('protocol' in action) this.protocol = action.protocol;
      else if ('txn' in action) this.txns.set(action.txn.appId, action.txn);
      else if ('domainMetadata' in action) {
        if (action.domainMetadata.removed) this.domains.delete(action.domainMetadata.domain);
        else this.domains.set(action.domainMetadata.domain, action.domainMetadata);
      } else if ('commitInfo' in action) this.lastCommitInfo = action.commitInfo;
    }
    this.version = version;
  }
}
