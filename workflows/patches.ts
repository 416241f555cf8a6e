import { patched } from '@temporalio/workflow';

/**
 * How a run asks whether a change applies to it. Runs of `actionWorkflow` ask
 * Temporal (`patched`: a marker in the history), since some started before the
 * change; runs of `airlockAction`, the type every new action starts as, were
 * all started after every change so far, and ask nothing: their histories
 * carry no markers.
 */
export type PatchCheck = (patchId: string) => boolean;

/** Temporal's answer, recorded in the history. */
export const recordedPatches: PatchCheck = (patchId) => patched(patchId);

/** Every change so far applies (the runs of a type started after all of them). */
export const allPatches: PatchCheck = () => true;
