CREATE INDEX `events_occurred` ON `events` (`workspace_id`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `events_body_expiry` ON `events` (`workspace_id`,`occurred_at`) WHERE type IN ('message', 'call') AND text IS NOT '[expired]';--> statement-breakpoint
CREATE INDEX `journeys_resolved` ON `journeys` (`workspace_id`,`resolved_at`) WHERE resolved_at IS NOT NULL;