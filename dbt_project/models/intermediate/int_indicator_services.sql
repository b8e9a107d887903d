-- For every set of services the catalogue's service-based indicators count (int_service_sets: indicators
-- with the same service_type and reached_point share one), the (winning, valid) services in it, each
-- expanded to every period (year or window) containing its service date. Membership is three equi-joins
-- (by service type; all services; services of projects tagged with a point), not one OR-join
-- (macros/indicator_services.sql, which an incremental build also applies to the touched persons alone).
{{ config(materialized='view') }}
{{ indicator_services(ref('int_services'), ref('int_service_sets'), ref('int_project_points'), ref('int_periods')) }}
