/** The change view the governance API answers (the parts the console reads). */
export interface ChangeView {
  readonly key: string;
  readonly title: string;
  readonly status: string;
  readonly tier: string;
  readonly requester: string;
  readonly owner: string;
  readonly record: {
    readonly environment: string;
    readonly service: string;
    readonly affectedWorkflow: string;
    readonly behaviourChange: string;
    readonly impact: Readonly<Record<string, string>>;
    readonly flags: readonly {
      key: string;
      surface: string;
      baseline: unknown;
      candidate: unknown;
      rollbackValue?: unknown;
      candidateVariationId?: string;
    }[];
    readonly release: {
      readonly decisionOwner: string;
      readonly stages: readonly {
        name: string;
        audience: string;
        percentage: number;
        minDuration: string;
        advance?: string;
      }[];
      readonly holdIf: readonly {
        metric: string;
        operator: string;
        threshold: number;
        action?: string;
        window?: string;
        description?: string;
      }[];
      readonly rollback?: { plan: string; fallbackBehaviour: string };
    };
  };
  readonly reviews: readonly {
    reviewer: string;
    roles: readonly string[];
    decision: string;
    comment: string;
    at: string;
  }[];
  /** Attached evidence; `result` is featgate's verdict and `reason` says why (per metric in `metrics`). */
  readonly evidence: readonly {
    type: string;
    summary: string;
    result: string;
    reason?: string;
    counts?: boolean;
    link?: string;
    attachedBy?: string;
    at?: string;
  }[];
  readonly decision: {
    readonly status: string;
    readonly approvedBy: readonly string[];
    readonly rejectedBy: readonly string[];
    readonly missing: {
      approvals?: number;
      roles?: readonly { anyOf: readonly string[]; reasons?: readonly string[] }[];
    } | null;
    readonly reasons: readonly string[];
  };
  readonly requirements: {
    readonly approvals: {
      count?: number;
      mustInclude?: readonly { anyOf: readonly string[]; reasons?: readonly string[] }[];
    } | null;
    readonly evidence: readonly { anyOf: readonly string[]; phase?: string }[] | null;
    readonly firedRules:
      | readonly { ruleId: string; flagKey: string; tier: string; path: string; explanation: string; detail?: string }[]
      | null;
  };
  readonly release: {
    readonly stageIndex: number | null;
    readonly stageCount: number;
    readonly held: boolean;
    readonly statusReason: string | null;
  };
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

/** Whether the viewer may take an action, and the API's reason when not. */
export interface ActionState {
  readonly allowed: boolean;
  readonly reason: string | null;
}

/** `GET /v1/console/changes/{key}/actions`. */
export interface ChangeActions {
  readonly version: number;
  readonly review: ActionState;
  readonly attachEvidence: ActionState;
  readonly withdraw: ActionState;
  readonly applyStage: ActionState;
  readonly hold: ActionState;
  readonly resume: ActionState;
  readonly rollback: ActionState;
}

/** One timeline item of `GET /v1/console/changes/{key}/activity`. */
export interface ActivityItem {
  readonly seq: number;
  readonly type: string;
  readonly at: string;
  readonly actor: { id: string; kind: string };
  readonly summary: string;
  readonly signal?: { metric: string; value: number; observedAt: string };
  readonly edit?: {
    operator: string;
    flagKey: string;
    changes: readonly string[];
    targeting: readonly string[];
    seenAt?: string;
    source?: string;
    exposure: readonly { variation: string; verdict: string }[];
  };
}

/** `GET /v1/console/me`. */
export interface Me {
  readonly id: string;
  readonly kind: string;
  readonly roles: readonly string[];
  readonly permissions: readonly string[];
}
