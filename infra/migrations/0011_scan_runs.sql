-- Running scans: at most one queued or running scan per cloud identity (a duplicated schedule
-- tick or a second click finds the pending one instead of adding another), and the indexes the
-- dispatcher and the scan runner read by.

CREATE UNIQUE INDEX scans_one_pending_per_identity_idx ON public.scans (cloud_identity_id) WHERE status IN ('queued', 'running');
CREATE INDEX findings_identity_scan_idx ON public.findings (cloud_identity_id, last_scan_id);
CREATE INDEX findings_organization_check_idx ON public.findings (organization_id, check_id);
