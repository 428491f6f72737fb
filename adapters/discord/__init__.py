"""The Discord adapter: discord.py events and app commands in, core replies out as embeds."""
