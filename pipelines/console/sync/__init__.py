"""The sync: what the console recorded goes into the warehouse as a run starts; what it made comes out."""
