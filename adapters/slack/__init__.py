"""The Slack adapter: slack-bolt app, Block Kit rendering, HTTP and Socket Mode runners."""
