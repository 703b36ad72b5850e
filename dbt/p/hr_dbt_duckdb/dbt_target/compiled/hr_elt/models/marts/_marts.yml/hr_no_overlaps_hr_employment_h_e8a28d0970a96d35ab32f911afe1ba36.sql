
with numbered as (
    select provider, tenant, employee_id, timeline, valid_from as valid_from, valid_to as valid_to,
           lead(valid_from) over (partition by provider, tenant, employee_id, timeline
                                        order by valid_from) as next_from,
           count(*) over (partition by provider, tenant, employee_id, timeline, valid_from) as same_start
    from "w"."hr_unified"."hr_employment_history"
)
select *
from numbered
where same_start > 1
   or (valid_to is not null and valid_to < valid_from)
   or (next_from is not null and (valid_to is null or valid_to >= next_from))
