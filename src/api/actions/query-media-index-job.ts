import { formatGmt, iceJobStatus } from '../response-format.js';
import type { Action } from './action.js';
import { mediaId, searchLibName } from './common-params.js';

export const queryMediaIndexJob: Action = {
  name: 'QueryMediaIndexJob',
  handle(params, { media }) {
    const { jobs } = media.jobs(searchLibName(params), mediaId(params));
    return {
      IndexJobInfoList: jobs.map((job) => ({
        IndexType: job.kind,
        Status: iceJobStatus(job.state),
        GmtSubmit: formatGmt(job.submittedAt),
        GmtFinish: formatGmt(job.finishedAt),
        // mediasearch extension: why a job failed (or why its last attempt failed while retrying).
        ...(job.error ? { ErrorMessage: job.error } : {}),
      })),
    };
  },
};
