{#- A conformed model has exactly one row per row of `to` (the vendor record it maps): no join
    fans out, none drops. Fails with both counts when they differ. -#}
{% test hr_one_row_per(model, to) %}
select conformed.n as conformed_rows, staged.n as staged_rows
from (select count(*) as n from {{ model }}) as conformed
cross join (select count(*) as n from {{ to }}) as staged
where conformed.n <> staged.n
{% endtest %}
