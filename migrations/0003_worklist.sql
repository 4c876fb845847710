ALTER TABLE `journeys` ADD `open_exceptions` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `journeys_team` ON `journeys` (`workspace_id`,`owner_team`,`updated_at`);--> statement-breakpoint
ALTER TABLE `promises` ADD `at_risk_at` text;