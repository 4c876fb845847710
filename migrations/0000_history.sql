CREATE TABLE `events` (
	`workspace_id` text NOT NULL,
	`journey_id` text NOT NULL,
	`seq` integer NOT NULL,
	`id` text NOT NULL,
	`type` text NOT NULL,
	`channel` text,
	`direction` text,
	`actor_kind` text,
	`actor_id` text,
	`actor_name` text,
	`text` text,
	`data` text,
	`occurred_at` text NOT NULL,
	`recorded_at` text NOT NULL,
	PRIMARY KEY(`workspace_id`, `journey_id`, `seq`)
);
--> statement-breakpoint
CREATE INDEX `events_recorded` ON `events` (`workspace_id`,`recorded_at`);--> statement-breakpoint
CREATE INDEX `events_type` ON `events` (`workspace_id`,`type`,`recorded_at`);--> statement-breakpoint
CREATE TABLE `journeys` (
	`workspace_id` text NOT NULL,
	`id` text NOT NULL,
	`customer_id` text,
	`status` text NOT NULL,
	`reason_text` text,
	`reason_topic` text,
	`owner_kind` text,
	`owner_id` text,
	`owner_name` text,
	`owner_team` text,
	`last_seq` integer NOT NULL,
	`contacts` integer DEFAULT 0 NOT NULL,
	`channels` text DEFAULT '[]' NOT NULL,
	`channel_switches` integer DEFAULT 0 NOT NULL,
	`handoffs` integer DEFAULT 0 NOT NULL,
	`repeats` integer DEFAULT 0 NOT NULL,
	`broken_promises` integer DEFAULT 0 NOT NULL,
	`pending_promises` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`resolved_at` text,
	PRIMARY KEY(`workspace_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `journeys_customer` ON `journeys` (`workspace_id`,`customer_id`,`updated_at`);--> statement-breakpoint
CREATE INDEX `journeys_status` ON `journeys` (`workspace_id`,`status`,`updated_at`);--> statement-breakpoint
CREATE INDEX `journeys_owner` ON `journeys` (`workspace_id`,`owner_id`,`updated_at`);--> statement-breakpoint
CREATE INDEX `journeys_updated` ON `journeys` (`workspace_id`,`updated_at`);--> statement-breakpoint
CREATE TABLE `owners` (
	`workspace_id` text NOT NULL,
	`journey_id` text NOT NULL,
	`seq` integer NOT NULL,
	`owner_kind` text NOT NULL,
	`owner_id` text NOT NULL,
	`owner_name` text,
	`owner_team` text,
	`since` text NOT NULL,
	`until` text,
	PRIMARY KEY(`workspace_id`, `journey_id`, `seq`)
);
--> statement-breakpoint
CREATE INDEX `owners_owner` ON `owners` (`workspace_id`,`owner_id`,`since`);--> statement-breakpoint
CREATE TABLE `promises` (
	`workspace_id` text NOT NULL,
	`id` text NOT NULL,
	`journey_id` text NOT NULL,
	`text` text NOT NULL,
	`due_at` text NOT NULL,
	`made_by_kind` text NOT NULL,
	`made_by_id` text,
	`made_by_name` text,
	`status` text NOT NULL,
	`created_at` text NOT NULL,
	`settled_at` text,
	`last_seq` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `promises_journey` ON `promises` (`workspace_id`,`journey_id`);--> statement-breakpoint
CREATE INDEX `promises_due` ON `promises` (`workspace_id`,`status`,`due_at`);