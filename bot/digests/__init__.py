"""Daily digests: schedules, subscriptions and the scheduler that posts each one once."""
