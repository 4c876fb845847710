CREATE TABLE `erased_journeys` (
	`workspace_id` text NOT NULL,
	`journey_id` text NOT NULL,
	`erasure_id` text NOT NULL,
	`erased_at` text NOT NULL,
	PRIMARY KEY(`workspace_id`, `journey_id`)
);
