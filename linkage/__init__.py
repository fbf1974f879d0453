"""Identity resolution: link each young person's records across police, education and health."""
