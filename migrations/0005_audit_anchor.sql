CREATE TABLE "audit_anchor" (
	"id" smallint PRIMARY KEY DEFAULT 1 NOT NULL,
	"records" bigint NOT NULL,
	"head" text NOT NULL,
	"legacy_records" bigint DEFAULT 0 NOT NULL,
	"mac" text NOT NULL,
	CONSTRAINT "audit_anchor_single_row" CHECK ("audit_anchor"."id" = 1)
);
