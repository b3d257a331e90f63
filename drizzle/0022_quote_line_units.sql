ALTER TABLE "quote_line_items" ADD COLUMN "unit" text;--> statement-breakpoint
ALTER TABLE "quote_line_items" ADD COLUMN "price_book_item_id" uuid;