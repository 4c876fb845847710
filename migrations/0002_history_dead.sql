CREATE TABLE `history_dead` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`message_id` text NOT NULL,
	`workspace_id` text,
	`journey_id` text,
	`seq` integer,
	`record` text NOT NULL,
	`error` text NOT NULL,
	`attempts` integer NOT NULL,
	`dead_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `history_dead_message_id_unique` ON `history_dead` (`message_id`);--> statement-breakpoint
CREATE INDEX `history_dead_journey` ON `history_dead` (`workspace_id`,`journey_id`,`seq`);