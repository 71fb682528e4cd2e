"""The platform web service: pages under /services/jinguo/ and the JSON API under /services/jinguo/api/."""
