"""What the service offers bots (/bots namespace), their accounts, and running its own bots."""
